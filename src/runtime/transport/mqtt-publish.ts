// Reading a QoS 0 PUBLISH without mqtt.js (MQTT 3.1.1 §3.3, MQTT 5 §3.3). A node's subscriptions are at QoS 0
// (mqtt.ts), so nearly every packet it receives is a QoS 0 PUBLISH, which asks nothing of the client's session:
// no packet id, no acknowledgement, no store. The packet bound (mqtt-bound.ts) already finds each packet's
// boundaries on the socket; for these packets it reads the topic and the payload here and hands them to the
// transport directly, which spares each received message mqtt-packet's parser objects, mqtt.js's stream,
// work queue and events (docs/devices.md "Ingest"). Everything this reader does not fully understand is left
// to mqtt.js byte for byte, which then acts as before (a topic alias, which agentnet never allows the broker
// to send, an unknown property, a malformed packet: mqtt.js reports the protocol error and closes).
//
// Variable header of a PUBLISH: topic (u16 length + UTF-8); a packet id (u16) only for QoS > 0; in MQTT 5 the
// properties (a variable byte integer length, then identifier + value pairs); the payload is the rest.

/** MQTT 5 PUBLISH property identifiers and how their values are laid out (MQTT 5 §2.2.2.2). */
const enum Prop {
  PayloadFormat = 0x01, // byte
  MessageExpiry = 0x02, // four-byte integer
  ContentType = 0x03, // UTF-8 string
  ResponseTopic = 0x08, // UTF-8 string
  CorrelationData = 0x09, // binary data (u16 length)
  SubscriptionId = 0x0b, // variable byte integer
  UserProperty = 0x26, // UTF-8 string pair
}

/** Where a QoS 0 PUBLISH's topic and payload are, or undefined when mqtt.js must read the packet. */
export interface Publish0 {
  readonly topic: string;
  /** Offset of the payload in the buffer; it runs to the packet's end. */
  readonly payloadStart: number;
}

/**
 * Reads the variable header of a QoS 0 PUBLISH whose bytes after the fixed header are `buf[start, end)`.
 * Returns the topic and where the payload starts, or undefined for a packet this reader leaves to mqtt.js:
 * an empty topic (topic aliases), a property it does not know (the Topic Alias among them), or bytes that do
 * not add up (a length past the packet's end). Reading never throws and never reads outside [start, end).
 */
export function readPublish0(buf: Buffer, start: number, end: number, version: 4 | 5): Publish0 | undefined {
  if (end - start < 2) return undefined;
  const tl = (buf[start]! << 8) | buf[start + 1]!;
  let p = start + 2 + tl;
  if (tl === 0 || p > end) return undefined;
  if (version === 5) {
    const len = varInt(buf, p, end);
    if (!len) return undefined;
    p = len.next;
    const propsEnd = p + len.value;
    if (propsEnd > end) return undefined;
    while (p < propsEnd) {
      const id = buf[p++]!;
      if (id === Prop.PayloadFormat) p += 1;
      else if (id === Prop.MessageExpiry) p += 4;
      else if (id === Prop.ContentType || id === Prop.ResponseTopic || id === Prop.CorrelationData)
        p = skipU16(buf, p, propsEnd);
      else if (id === Prop.UserProperty) p = skipU16(buf, skipU16(buf, p, propsEnd), propsEnd);
      else if (id === Prop.SubscriptionId) {
        const v = varInt(buf, p, propsEnd);
        if (!v) return undefined;
        p = v.next;
      } else return undefined;
    }
    if (p !== propsEnd) return undefined;
  }
  return { topic: buf.toString('utf8', start + 2, start + 2 + tl), payloadStart: p };
}

/** A variable byte integer at `p` (1 to 4 bytes, before `end`): its value and the offset after it. */
function varInt(buf: Buffer, p: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let k = 0, mul = 1; k < 4; k++, mul *= 128) {
    if (p >= end) return undefined;
    const b = buf[p++]!;
    value += (b & 0x7f) * mul;
    if (!(b & 0x80)) return { value, next: p };
  }
  return undefined;
}

/** The offset after a u16-length-prefixed string or binary at `p`; past `end` (so the caller refuses) if cut. */
function skipU16(buf: Buffer, p: number, end: number): number {
  if (p + 2 > end) return end + 1;
  return p + 2 + ((buf[p]! << 8) | buf[p + 1]!);
}
