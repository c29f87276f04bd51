// TLS certificate files read when the options are read (at connect time), and the TLS refusals
// that are configuration errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../src/index.js';
import { checkTlsFiles, tlsRefusal, withTlsFiles } from '../src/internal.js';

const dir = mkdtempSync(join(tmpdir(), 'celerity-tls-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withTlsFiles / checkTlsFiles', () => {
  it('reads each file whenever its option is read, and only then; keeps the last content of a file that was read', () => {
    const ca = join(dir, 'ca.pem');
    const tls: { servername: string; ca?: Buffer } = withTlsFiles({ servername: 'h' }, { ca: { path: ca, setting: 'ca_certs' } });
    expect(Object.keys(tls)).toEqual(['servername', 'ca']);
    expect(() => checkTlsFiles(tls)).toThrow(new ConfigurationError(`TLS ca_certs ${JSON.stringify(ca)} cannot be read (ENOENT)`));
    writeFileSync(ca, 'one');
    checkTlsFiles(tls);
    expect(String({ ...tls }.ca)).toBe('one');
    writeFileSync(ca, 'two');
    expect(String(Object.assign({}, tls).ca)).toBe('two');
    // Read once, then gone: the last content (a background reconnect could not report the error).
    rmSync(ca);
    expect(String({ ...tls }.ca)).toBe('two');
    expect(() => checkTlsFiles(undefined)).not.toThrow();
  });
});

describe('tlsRefusal', () => {
  it('names untrusted, misnamed and out-of-date certificates and server alerts; nothing else', () => {
    const error = (code: string, message = code): Error => Object.assign(new Error(message), { code });
    expect(tlsRefusal(error('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toMatch(/not signed by a trusted CA \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    expect(tlsRefusal(error('ERR_TLS_CERT_ALTNAME_INVALID', 'Host: a. is not in the cert'))).toBe("TLS: the server's certificate is not for the host name checked: Host: a. is not in the cert");
    expect(tlsRefusal(error('CERT_HAS_EXPIRED'))).toBe("TLS: the server's certificate is not valid now (CERT_HAS_EXPIRED)");
    expect(tlsRefusal(error('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'alert certificate required'))).toMatch(/^TLS: the server refused the connection \(alert certificate required\); does it require a client certificate/);
    for (const other of [error('ECONNRESET'), new Error('x'), 'text', null, { code: 7 }]) expect(tlsRefusal(other)).toBeUndefined();
  });
});
