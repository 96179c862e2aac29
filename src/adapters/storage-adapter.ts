import type { Adapter } from 'oidc-provider';

/**
 * What each storage backend implements: oidc-provider's adapter, except that `consume`
 * is a check-and-set that says whether this call consumed the model. The adapter given to
 * the provider (./index.ts) turns a lost race into the provider's own refusal.
 */
export interface StorageAdapter extends Omit<Adapter, 'consume'> {
  consume(id: string): Promise<boolean>;
}

export type StorageAdapterClass = new (name: string) => StorageAdapter;
