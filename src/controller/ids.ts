/**
 * Network and member ids as they appear in API paths. Both accept any hex case and are stored
 * lower-case (the reference keeps a member id's case as typed; we normalize so `AABBCCDDEE` and
 * `aabbccddee` are one member).
 */
import { randomBytes } from 'node:crypto';

export function parseNetworkIdText(text: string): string | undefined {
  return /^[0-9a-fA-F]{16}$/.test(text) ? text.toLowerCase() : undefined;
}

export function parseMemberIdText(text: string): string | undefined {
  return /^[0-9a-fA-F]{10}$/.test(text) ? text.toLowerCase() : undefined;
}

/** `<10 hex>______`: the legacy "create with a random id" path; returns the address part as typed. */
export function parseLegacyCreatePath(text: string): string | undefined {
  return /^[0-9a-fA-F]{10}______$/.test(text) ? text.slice(0, 10) : undefined;
}

/** The controller's prefix (its address) with a 24-bit network number; a zero number becomes 1. */
export function networkIdFor(controllerAddress: string, suffix: number): string {
  const n = suffix & 0xffffff || 1;
  return controllerAddress.toLowerCase() + n.toString(16).padStart(6, '0');
}

/** 24 random bits from the system's secure generator. */
export function secureRandomNetworkSuffix(): number {
  const b = randomBytes(3);
  return (b[0] << 16) | (b[1] << 8) | b[2];
}

/** The most ids tried before a random create gives up (the reference's limit). */
export const MAX_NETWORK_ID_TRIES = 100_000;
