// Building blocks for the CRD OpenAPI v3 structural schemas (apiextensions.k8s.io/v1): typed
// constructors so every property has a type and description, plus shared pieces (label selector,
// metav1.Condition list). Used by crd-schemas.ts, which generates charts/vipd/crds/*.yaml.

export type Schema = Record<string, unknown>;

export function str(description: string, extra: Schema = {}): Schema {
  return { type: 'string', description, ...extra };
}

export function int(description: string, minimum: number, maximum: number, extra: Schema = {}): Schema {
  return { type: 'integer', description, minimum, maximum, ...(maximum > 2147483647 ? { format: 'int64' } : {}), ...extra };
}

export function bool(description: string, dflt?: boolean): Schema {
  return { type: 'boolean', description, ...(dflt === undefined ? {} : { default: dflt }) };
}

export function arr(description: string, items: Schema, extra: Schema = {}): Schema {
  return { type: 'array', description, items, ...extra };
}

export function obj(description: string, properties: Record<string, Schema>, required: readonly string[] = [], extra: Schema = {}): Schema {
  return { type: 'object', description, properties, ...(required.length > 0 ? { required: [...required] } : {}), ...extra };
}

export function strEnum(description: string, values: readonly string[], dflt?: string): Schema {
  return { type: 'string', description, enum: [...values], ...(dflt === undefined ? {} : { default: dflt }) };
}

/** DNS-1123 subdomain (object names). */
export const NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** DNS-1123 label. */
export const LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

export function nameRef(description: string): Schema {
  return str(description, { maxLength: 253, pattern: NAME_PATTERN });
}

export function labelSelector(description: string): Schema {
  return obj(
    description,
    {
      matchLabels: { type: 'object', description: 'Labels that must all be present with these values.', additionalProperties: { type: 'string', maxLength: 63 } },
      matchExpressions: arr(
        'Label requirements, all of which must hold.',
        obj(
          'A label requirement.',
          {
            key: str('Label key.', { maxLength: 316 }),
            operator: strEnum('How the key relates to the values.', ['In', 'NotIn', 'Exists', 'DoesNotExist']),
            values: arr('Values for In / NotIn; empty for Exists / DoesNotExist.', { type: 'string', maxLength: 63 }, { maxItems: 64 }),
          },
          ['key', 'operator'],
        ),
        { maxItems: 32 },
      ),
    },
    [],
    { 'x-kubernetes-map-type': 'atomic' },
  );
}

export function conditions(): Schema {
  return arr(
    'Conditions (metav1.Condition); vipd sets "Accepted".',
    obj(
      'A condition.',
      {
        type: str('Condition type.', { maxLength: 316 }),
        status: strEnum('Condition status.', ['True', 'False', 'Unknown']),
        reason: str('Machine-readable reason (CamelCase).', { maxLength: 1024 }),
        message: str('Human-readable message.', { maxLength: 32768 }),
        observedGeneration: int('The generation the condition was computed from.', 0, Number.MAX_SAFE_INTEGER),
        lastTransitionTime: str('When the status last changed.', { format: 'date-time' }),
      },
      ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
    ),
    { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'], maxItems: 16 },
  );
}

export interface CrdDef {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly description: string;
  readonly spec?: Schema;
  readonly status: Schema;
  readonly rootValidations?: readonly { rule: string; message: string }[];
  readonly printerColumns?: readonly Schema[];
}

/** A full apiextensions.k8s.io/v1 CustomResourceDefinition for a cluster-scoped vipd.io/v1alpha1 kind. */
export function crd(def: CrdDef): Schema {
  const root: Schema = {
    type: 'object',
    description: def.description,
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion of this object (vipd.io/v1alpha1).' },
      kind: { type: 'string', description: `Kind of this object (${def.kind}).` },
      metadata: { type: 'object' },
      ...(def.spec === undefined ? {} : { spec: def.spec }),
      status: def.status,
    },
    ...(def.rootValidations === undefined ? {} : { 'x-kubernetes-validations': def.rootValidations.map((v) => ({ ...v })) }),
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.vipd.io` },
    spec: {
      group: 'vipd.io',
      names: { kind: def.kind, listKind: `${def.kind}List`, plural: def.plural, singular: def.singular, shortNames: [...def.shortNames], categories: ['vipd'] },
      scope: 'Cluster',
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          ...(def.printerColumns === undefined ? {} : { additionalPrinterColumns: def.printerColumns.map((c) => ({ ...c })) }),
          schema: { openAPIV3Schema: root },
        },
      ],
    },
  };
}

export function acceptedColumn(): Schema {
  return { name: 'Accepted', type: 'string', jsonPath: '.status.conditions[?(@.type=="Accepted")].status' };
}
