// The byte formats of response bodies: JSON and MessagePack. Pure encode/decode of plain data,
// exact for every finite double; owns no HTTP (negotiation is http/negotiate.ts) and no layout.
// -0 is carried as 0 by both formats (JSON has no -0; MessagePack's encoder writes it as int 0).
import { decode as decodeMsgpack, encode as encodeMsgpack } from '@msgpack/msgpack';

/** A body format a client can ask for. */
export type Format = 'json' | 'msgpack';

/** Every format, default first. */
export const FORMATS = ['json', 'msgpack'] as const satisfies readonly Format[];

/** The Content-Type each format is answered with. */
export const CONTENT_TYPES: Readonly<Record<Format, string>> = {
  json: 'application/json; charset=utf-8',
  msgpack: 'application/msgpack',
};

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

// Non-integers (and integers beyond 2^53) are written as float64, never float32: float32 would
// round most sensor readings. Safe integers (epoch ms) use the smallest int encoding.
const MSGPACK_ENCODE = { forceFloat32: false, forceIntegerToFloat: false, ignoreUndefined: true } as const;

/**
 * Encodes a plain value (objects, arrays, strings, finite numbers, booleans, null) to bytes.
 * JSON numbers use the shortest representation that reads back to the same double.
 */
export function encode(value: unknown, format: Format): Uint8Array<ArrayBuffer> {
  switch (format) {
    case 'json':
      // TextEncoder always returns a fresh, unshared ArrayBuffer; the DOM typing is just wider.
      return utf8Encoder.encode(JSON.stringify(value)) as Uint8Array<ArrayBuffer>;
    case 'msgpack':
      return encodeMsgpack(value, MSGPACK_ENCODE);
  }
}

/** Decodes bytes written by encode (or any valid document of the format); throws on malformed input. */
export function decode(bytes: Uint8Array, format: Format): unknown {
  switch (format) {
    case 'json':
      return JSON.parse(utf8Decoder.decode(bytes));
    case 'msgpack':
      return decodeMsgpack(bytes);
  }
}
