// Public API of the BGP-4 wire codec (RFC 4271 §4 messages and the extensions listed in the field
// guide). Pure: no sockets, timers, logging or globals. Session code imports from here.

export * from './constants.ts';
export type * from './types.ts';
export { DEFAULT_DECODE_CONTEXT, DEFAULT_ENCODE_CONTEXT } from './types.ts';
export * from './errors.ts';
export { Reader, ipv4ToString } from './reader.ts';
export { Writer, parseIpv4 } from './writer.ts';
export { beginMessage, endMessage } from './header.ts';
export * from './framer.ts';
export * from './message.ts';
export * from './open.ts';
export * from './open-check.ts';
export { decodeCapabilities, decodeCapability, encodeCapability, capabilityCode } from './capabilities.ts';
export * from './notification.ts';
export * from './keepalive.ts';
export * from './route-refresh.ts';
export * from './update.ts';
export * from './nlri.ts';
export { ATTRIBUTE_TABLE, ATTRIBUTE_BY_CODE, attributeName } from './attributes/table.ts';
export { decodeAttributes, encodeAttributes } from './attributes/block.ts';
export { packUpdates, packWithdraws, packUpdatesIter, packWithdrawsIter } from './pack.ts';
export type { PackOptions } from './pack.ts';
