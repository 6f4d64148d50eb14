// Connection collision detection (RFC 4271 §6.8) with the RFC 6286 §2.3 tie rule. When two
// connections to one peer both get far enough to know the peer's BGP identifier, the one initiated by
// the speaker with the higher BGP identifier survives; the loser is closed with Cease 6/7 (RFC 4486).

import { bgpIdToU32 } from './open-check.ts';

/** Which connection survives: the one we initiated ('outgoing') or the one the peer initiated ('incoming'). */
export type CollisionWinner = 'outgoing' | 'incoming';

/**
 * RFC 4271 §6.8: compare the identifiers as 4-octet unsigned integers. If ours is lower, close the
 * connection we initiated (keep the incoming one); otherwise close the incoming one. RFC 6286 §2.3: with
 * equal identifiers, the connection initiated by the speaker with the larger AS number is kept.
 */
export function resolveCollision(localBgpId: string, localAs: number, peerBgpId: string, peerAs: number): CollisionWinner {
  const ours = bgpIdToU32(localBgpId);
  const theirs = bgpIdToU32(peerBgpId);
  if (ours !== theirs) return ours < theirs ? 'incoming' : 'outgoing';
  return localAs > peerAs ? 'outgoing' : 'incoming';
}

/** States in which a connection takes part in collision detection (§6.8: OpenConfirm, and OpenSent once the ID is known). */
export function inCollisionState(state: string): boolean {
  return state === 'OpenSent' || state === 'OpenConfirm';
}
