/**
 * What the chaos benchmark's tenants ingest and ask about: short maintenance notes (one or two
 * chunks each), generated from a seed. Every note of a tenant carries that tenant's access code, a
 * word no other tenant's documents contain, so a hit from another tenant is visible at once: its
 * file name starts with the other tenant's id and its text holds the other code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { seededRandom } from './synthetic-vectors';

const COMPONENTS = ['pump', 'boiler', 'conveyor', 'compressor', 'chiller', 'generator', 'valve bank', 'elevator'];
const PLACES = ['hall 1', 'hall 2', 'the east wing', 'the loading dock', 'the roof', 'the basement', 'building C'];
const ACTIONS = ['inspected', 'cleaned', 'repaired', 'recalibrated', 'replaced', 'lubricated'];
const REASONS = [
  'a vibration alarm went off during the night shift',
  'the pressure readings drifted above the limit',
  'the quarterly service plan asked for it',
  'an operator reported a burning smell',
  'the energy meter showed a sudden spike',
  'the supplier issued a safety notice',
];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const CODE_WORDS = ['kestrel', 'quokka', 'marmot', 'ibis', 'tapir', 'okapi', 'lynx', 'heron', 'gecko', 'puffin'];

/** A tenant's access code: one token (letters and digits), different for every tenant of a run. */
export function accessCode(seed: number, tenantIndex: number): string {
  const number = 1000 + Math.floor(seededRandom(seed ^ 0x5f3759df ^ (tenantIndex * 7919))() * 9000);
  return `${CODE_WORDS[tenantIndex % CODE_WORDS.length]}${number}`;
}

export interface TenantNotes {
  tenant: string;
  code: string;
  /** The folder ingested for the tenant (every note it has). */
  dir: string;
  /** Notes written so far, with their revision. */
  notes: { file: string; component: string; place: string; revision: number }[];
}

/** A note's text; `revision` changes what it says (a new version of the same document). */
function noteText(notes: TenantNotes, number: number, component: string, place: string, revision: number): string {
  const pick = seededRandom(number * 31 + revision);
  const of = <T>(list: readonly T[]) => list[Math.floor(pick() * list.length)]!;
  const weeks = 2 + Math.floor(pick() * 10);
  return [
    `# Maintenance note ${number}: the ${component} in ${place}`,
    '',
    `Tenant ${notes.tenant}, access code ${notes.code}. Revision ${revision}.`,
    '',
    `The ${component} in ${place} was ${of(ACTIONS)} on ${of(DAYS)} because ${of(REASONS)}.`,
    `The technician logged ${of(['no', 'two', 'three', 'several'])} open issues and ${of(['closed', 'escalated', 'deferred'])} them.`,
    `The next inspection of the ${component} in ${place} is due in ${weeks} weeks.`,
    '',
  ].join('\n');
}

export function createTenantNotes(root: string, tenant: string, code: string): TenantNotes {
  const dir = path.join(root, tenant);
  fs.mkdirSync(dir, { recursive: true });
  return { tenant, code, dir, notes: [] };
}

/** Writes a new note; returns its file name (the tenant's id starts it). */
export function addNote(notes: TenantNotes, random: () => number): string {
  const number = notes.notes.length + 1;
  const component = COMPONENTS[Math.floor(random() * COMPONENTS.length)]!;
  const place = PLACES[Math.floor(random() * PLACES.length)]!;
  const file = `${notes.tenant}-note-${String(number).padStart(3, '0')}.md`;
  fs.writeFileSync(path.join(notes.dir, file), noteText(notes, number, component, place, 1));
  notes.notes.push({ file, component, place, revision: 1 });
  return file;
}

/** Rewrites an existing note as its next revision (a changed document: a new version). */
export function reviseNote(notes: TenantNotes, random: () => number): string | undefined {
  if (notes.notes.length === 0) return undefined;
  const index = Math.floor(random() * notes.notes.length);
  const note = notes.notes[index]!;
  note.revision += 1;
  fs.writeFileSync(
    path.join(notes.dir, note.file),
    noteText(notes, index + 1, note.component, note.place, note.revision),
  );
  return note.file;
}

/** A question about one of the tenant's own notes. */
export function ownQuestion(notes: TenantNotes, random: () => number): string {
  const note = notes.notes[Math.floor(random() * notes.notes.length)];
  if (!note) return 'When is the next inspection due?';
  return random() < 0.5
    ? `When is the next inspection of the ${note.component} in ${note.place}?`
    : `Why was the ${note.component} in ${note.place} serviced?`;
}

/** A question naming another tenant's access code: the answer must cite nothing of that tenant's. */
export function probeQuestion(other: TenantNotes): string {
  return `Which maintenance notes mention access code ${other.code}?`;
}
