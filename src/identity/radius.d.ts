/**
 * Types for the `radius` npm package (^1, untyped): only the calls the tests use, as the
 * independent RADIUS implementation our own codec is checked against.
 */
declare module 'radius' {
  type AttributeValue = string | number | Buffer;
  /** Attributes by dictionary name, or as `[name or type, value]` pairs. */
  type Attributes = Record<string, AttributeValue> | [string | number, AttributeValue][];

  export interface DecodedPacket {
    code: string;
    identifier: number;
    length: number;
    authenticator: Buffer;
    attributes: Record<string, AttributeValue>;
    raw_attributes: [number, Buffer][];
  }

  interface Radius {
    encode(args: {
      code: string;
      secret: string;
      identifier?: number;
      attributes?: Attributes;
      authenticator?: Buffer;
    }): Buffer;
    decode(args: { packet: Buffer; secret: string }): DecodedPacket;
    encode_response(args: {
      packet: DecodedPacket;
      code: string;
      secret: string;
      attributes?: Attributes;
    }): Buffer;
    verify_response(args: { request: Buffer; response: Buffer; secret: string }): boolean;
  }

  const radius: Radius;
  export default radius;
}
