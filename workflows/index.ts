export * from './health-check';
export * from './ingest/ingest-batch';
export * from './ingest/ingest-documents';
export * from './chat/chat-session';
export * from './reindex/reindex-saga';
export * from './search-index';
