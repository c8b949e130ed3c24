import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCorpusFile } from '../../adapters/documents';
import { isMemflowError } from '../../contracts/errors';

const MAX = 2 * 1024 * 1024;

describe('readCorpusFile: confined to its root', () => {
  let tmp = '';
  let root = '';
  let outside = '';
  const corpus = () => ({ name: 'docs', dir: root });
  const read = (relative: string, maxBytes = MAX) => readCorpusFile(corpus(), relative, maxBytes);
  const reason = async (relative: string, maxBytes = MAX) => {
    const result = await read(relative, maxBytes);
    return result.ok ? 'ok' : result.reason;
  };

  before(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'memflow-corpus-root-')));
    root = path.join(tmp, 'root');
    outside = path.join(tmp, 'outside');
    fs.mkdirSync(path.join(root, 'guides', 'deep'), { recursive: true });
    fs.mkdirSync(path.join(root, '.git'));
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(root, 'intro.md'), '# Intro\n\nWelcome.');
    fs.writeFileSync(path.join(root, 'guides', 'deep', 'vacuum.html'), '<h1>Vacuum</h1><p>Run it.</p>');
    fs.writeFileSync(path.join(root, 'README'), 'No extension.');
    fs.writeFileSync(path.join(root, '.env'), 'SECRET=1');
    fs.writeFileSync(path.join(root, '.notes.md'), '# Hidden');
    fs.writeFileSync(path.join(root, '.git', 'config.md'), '# In a dot-directory');
    fs.writeFileSync(path.join(outside, 'secret.md'), '# Secret\n\nOutside the root.');
    fs.writeFileSync(path.join(root, 'big.txt'), 'x'.repeat(100));
    // Links inside the root: out of it (a file, a folder, /etc/passwd), to a hidden file, to a file without extension, and a harmless one.
    fs.symlinkSync(path.join(outside, 'secret.md'), path.join(root, 'escape.md'));
    fs.symlinkSync(outside, path.join(root, 'linked'));
    fs.symlinkSync('/etc/passwd', path.join(root, 'passwd.md'));
    fs.symlinkSync('../..', path.join(root, 'guides', 'up'));
    fs.symlinkSync('.notes.md', path.join(root, 'alias-hidden.md'));
    fs.symlinkSync('README', path.join(root, 'alias-readme.md'));
    fs.symlinkSync('intro.md', path.join(root, 'alias-intro.md'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads files under the root, by their relative path as source URI', async () => {
    const intro = await read('intro.md');
    assert.ok(intro.ok);
    assert.equal(intro.sourceUri, 'intro.md');
    assert.equal(intro.bytes.toString(), '# Intro\n\nWelcome.');
    const deep = await read('guides/deep/vacuum.html');
    assert.equal(deep.ok ? deep.sourceUri : deep.message, 'guides/deep/vacuum.html');
    const alias = await read('alias-intro.md');
    assert.equal(
      alias.ok ? alias.bytes.toString() : alias.message,
      '# Intro\n\nWelcome.',
      'a link that stays inside is fine',
    );
  });

  it('refuses absolute paths and ".." as OUTSIDE_CORPUS', async () => {
    for (const p of [
      '/etc/passwd',
      `${outside}/secret.md`,
      '../outside/secret.md',
      'guides/../../outside/secret.md',
      '..',
    ]) {
      assert.equal(await reason(p), 'OUTSIDE_CORPUS', p);
    }
  });

  it('refuses symbolic links that lead out of the root, whatever they are called', async () => {
    for (const p of ['escape.md', 'linked/secret.md', 'passwd.md', 'guides/up/outside/secret.md']) {
      const result = await read(p);
      assert.equal(result.ok ? 'ok' : result.reason, 'OUTSIDE_CORPUS', p);
      assert.match(
        result.ok ? '' : result.message,
        /is not inside corpus "docs" \(a symbolic link leads out of the root\)/,
      );
    }
  });

  it('refuses dotfiles and dot-directories, named or reached through a link, as HIDDEN', async () => {
    for (const p of ['.env', '.notes.md', '.git/config.md', 'alias-hidden.md'])
      assert.equal(await reason(p), 'HIDDEN', p);
  });

  it('refuses files without a supported extension, named or reached through a link', async () => {
    for (const p of ['README', 'alias-readme.md', 'intro.pdf']) assert.equal(await reason(p), 'UNSUPPORTED_TYPE', p);
  });

  it('reports missing files, folders and FIFOs as UNREADABLE and big files as TOO_LARGE, unread', async () => {
    assert.equal(await reason('missing.md'), 'UNREADABLE');
    fs.mkdirSync(path.join(root, 'folder.md'), { recursive: true });
    assert.equal(await reason('folder.md'), 'UNREADABLE');
    execFileSync('mkfifo', [path.join(root, 'pipe.md')]);
    assert.equal(await reason('pipe.md'), 'UNREADABLE');
    assert.equal(await reason('big.txt', 99), 'TOO_LARGE');
    assert.equal(await reason('big.txt', 100), 'ok');
  });

  it('refuses malformed paths', async () => {
    for (const p of ['', 'a//b.md', './intro.md', 'guides\\deep\\vacuum.html', 'intro.md\0.txt']) {
      assert.equal(await reason(p), 'OUTSIDE_CORPUS', JSON.stringify(p));
    }
  });

  it('works when the configured root is itself reached through a link', async () => {
    const viaLink = path.join(tmp, 'root-link');
    fs.symlinkSync(root, viaLink);
    const result = await readCorpusFile({ name: 'docs', dir: viaLink }, 'intro.md', MAX);
    assert.equal(result.ok, true);
    const escape = await readCorpusFile({ name: 'docs', dir: viaLink }, 'escape.md', MAX);
    assert.equal(escape.ok ? 'ok' : escape.reason, 'OUTSIDE_CORPUS');
  });

  it('fails with CONFIG_INVALID when the root does not exist', async () => {
    await assert.rejects(readCorpusFile({ name: 'gone', dir: path.join(tmp, 'gone') }, 'a.md', MAX), (err) =>
      isMemflowError(err, 'CONFIG_INVALID'),
    );
  });
});
