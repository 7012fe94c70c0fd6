import { fromJson, toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Wire format: proto3 canonical JSON (readable with any NATS tool; the schema is still owned by proto). */
export function encodeMessage<D extends DescMessage>(schema: D, message: MessageShape<D>): Uint8Array {
  return encoder.encode(JSON.stringify(toJson(schema, message)));
}

/** Decodes proto3 JSON; unknown fields are ignored so that producers can add fields (not breaking). */
export function decodeMessage<D extends DescMessage>(schema: D, data: Uint8Array): MessageShape<D> {
  const text = decoder.decode(data);
  return fromJson(schema, text.length ? JSON.parse(text) : {}, { ignoreUnknownFields: true });
}
