// metav1.Status errors as the real API server writes them (k8s.io/apimachinery/pkg/api/errors):
// kind "Status", status "Failure", a machine-readable `reason`, the HTTP `code`, and `details`
// naming the resource. Messages follow the real server's wording so kubectl-style output matches.

import type { ResourceDef } from './resources.ts';
import { qualifiedResource } from './resources.ts';

export type StatusReason =
  | 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone'
  | 'Expired' | 'Invalid' | 'MethodNotAllowed' | 'UnsupportedMediaType' | 'RequestEntityTooLarge'
  | 'Timeout' | 'InternalError' | 'NotAcceptable' | 'TooManyRequests' | 'ServiceUnavailable';

export type StatusCause = { readonly reason?: string; readonly message: string; readonly field?: string };

export type StatusDetails = {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly uid?: string;
  readonly causes?: readonly StatusCause[];
  readonly retryAfterSeconds?: number;
};

export type StatusObject = {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason | '';
  details?: StatusDetails;
  code: number;
};

/** A request the API server refuses; `code` is the stable Status reason. */
export class ApiError extends Error {
  readonly code: StatusReason;
  readonly httpCode: number;
  readonly details: StatusDetails | undefined;

  constructor(httpCode: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.code = reason;
    this.httpCode = httpCode;
    this.details = details;
  }

  toStatus(): StatusObject {
    const s: StatusObject = {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: this.message, reason: this.code, code: this.httpCode,
    };
    if (this.details !== undefined) s.details = this.details;
    return s;
  }
}

function detailsFor(r: ResourceDef, name: string): StatusDetails {
  return r.group === '' ? { name, kind: r.plural } : { name, group: r.group, kind: r.plural };
}

export function notFound(r: ResourceDef, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(r)} "${name}" not found`, detailsFor(r, name));
}

export function alreadyExists(r: ResourceDef, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(r)} "${name}" already exists`, detailsFor(r, name));
}

export function conflict(r: ResourceDef, name: string, why: string): ApiError {
  return new ApiError(409, 'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": ${why}`, detailsFor(r, name));
}

export const STALE_OBJECT = 'the object has been modified; please apply your changes to the latest version and try again';

export function invalid(r: ResourceDef, name: string, causes: StatusCause[]): ApiError {
  const kindName = r.group === '' ? r.kind : `${r.kind}.${r.group}`;
  const msg = `${kindName} "${name}" is invalid: ${causes.map((c) => `${c.field ?? ''}: ${c.message}`).join(', ')}`;
  return new ApiError(422, 'Invalid', msg, { ...detailsFor(r, name), kind: r.kind, causes });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** 410 for a list or watch whose resourceVersion has been compacted away. */
export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function tooLargeResourceVersion(requested: number, current: number): ApiError {
  return new ApiError(504, 'Timeout',
    `Timeout: Too large resource version: ${requested}, current: ${current}`,
    { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 });
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function methodNotAllowed(method: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);
}

export function unsupportedMediaType(type: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${type})`);
}

export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
}
