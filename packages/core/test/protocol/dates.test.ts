import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError } from '@celerity/core';
import { formatCeleryDate, parseCeleryDate } from '@celerity/core/internal';

const CELERY_FORM = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;

describe('formatCeleryDate', () => {
  it('writes UTC with 6 fraction digits and +00:00', () => {
    expect(formatCeleryDate(new Date(Date.UTC(2026, 10, 23, 18, 46, 42, 215)))).toBe('2026-11-23T18:46:42.215000+00:00');
    expect(formatCeleryDate(new Date(Date.UTC(2030, 0, 1, 12)))).toBe('2030-01-01T12:00:00.000000+00:00');
    const early = new Date(0);
    early.setUTCFullYear(7, 1, 3);
    expect(formatCeleryDate(early)).toBe('0007-02-03T00:00:00.000000+00:00');
  });

  it('refuses invalid dates and years Python cannot hold', () => {
    expect(() => formatCeleryDate(new Date(Number.NaN))).toThrow(EncodeError);
    expect(() => formatCeleryDate(new Date(Date.UTC(10000, 0, 1)))).toThrow(EncodeError);
    const yearZero = new Date(0);
    yearZero.setUTCFullYear(0);
    expect(() => formatCeleryDate(yearZero)).toThrow(EncodeError);
  });

  it('round-trips every representable date through parseCeleryDate', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(-62135596800000), max: new Date(253402300799999), noInvalidDate: true }), (d) => {
        const text = formatCeleryDate(d);
        expect(text).toMatch(CELERY_FORM);
        expect(parseCeleryDate(text)).toEqual(d);
      }),
    );
  });
});

describe('parseCeleryDate', () => {
  it.each([
    ['2026-11-23T18:46:42.215765+00:00', '2026-11-23T18:46:42.215Z'],
    ['2026-11-23T18:46:42.215Z', '2026-11-23T18:46:42.215Z'],
    ['2026-11-23T18:46:42Z', '2026-11-23T18:46:42.000Z'],
    ['2026-11-23T18:46:42', '2026-11-23T18:46:42.000Z'],
    ['2024-01-02T03:04:05.678901', '2024-01-02T03:04:05.678Z'],
    ['2024-01-02T03:04:05.6', '2024-01-02T03:04:05.600Z'],
    ['2024-01-02T03:04:05.1234567', '2024-01-02T03:04:05.123Z'],
    ['2024-01-02T03:04:05+02:00', '2024-01-02T01:04:05.000Z'],
    ['2024-01-02T03:04:05-0530', '2024-01-02T08:34:05.000Z'],
    ['2024-01-02T03:04:05+01', '2024-01-02T02:04:05.000Z'],
    ['2024-01-02 03:04:05.5+00:00', '2024-01-02T03:04:05.500Z'],
    ['2024-01-02T03:04', '2024-01-02T03:04:00.000Z'],
    ['2024-01-02', '2024-01-02T00:00:00.000Z'],
    ['2024-02-29T00:00:00', '2024-02-29T00:00:00.000Z'],
  ])('%s', (input, iso) => {
    expect(parseCeleryDate(input).toISOString()).toBe(iso);
  });

  it.each([
    '',
    'tomorrow',
    '2024-1-02T00:00:00',
    '2024-13-01T00:00:00',
    '2023-02-29T00:00:00',
    '2024-04-31',
    '2024-01-01T24:00:00',
    '2024-01-01T00:60:00',
    '2024-01-01T00:00:60',
    '2024-01-01T00:00:00+24:00',
    '2024-01-01T00:00:00.',
    '0000-01-01T00:00:00',
    '2024-01-01T00:00:00 junk',
  ])('rejects %j with DecodeError', (input) => {
    expect(() => parseCeleryDate(input)).toThrow(DecodeError);
  });

  it('rejects non-strings with DecodeError', () => {
    expect(() => parseCeleryDate(5 as unknown as string)).toThrow(DecodeError);
  });
});
