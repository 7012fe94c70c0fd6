// An in-memory oidc-provider adapter owned by one dev identity provider instance (oidc-provider's
// bundled memory adapter keeps one store per process). It outlives provider rebuilds, so sessions,
// grants and refresh tokens survive a signing-key rotation.
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  readonly model: string;
  readonly payload: AdapterPayload;
  /** Epoch milliseconds; undefined for entries without expiry. */
  readonly expiresAt: number | undefined;
}

const SWEEP_EVERY_WRITES = 500;

export class MemoryAdapterStore {
  private readonly entries = new Map<string, Entry>();
  private writes = 0;

  adapterFor(model: string): Adapter {
    const key = (id: string): string => `${model}:${id}`;
    return {
      upsert: async (id, payload, expiresIn) => {
        this.entries.set(key(id), {
          model,
          payload: structuredClone(payload),
          expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined,
        });
        this.writes += 1;
        if (this.writes % SWEEP_EVERY_WRITES === 0) this.sweep();
      },
      find: async (id) => this.copyOf(this.read(key(id))?.payload),
      findByUid: async (uid) => this.findWhere(model, (payload) => payload.uid === uid),
      findByUserCode: async (userCode) => this.findWhere(model, (payload) => payload.userCode === userCode),
      consume: async (id) => {
        const entry = this.read(key(id));
        if (entry !== undefined) {
          this.entries.set(key(id), {
            ...entry,
            payload: { ...entry.payload, consumed: Math.floor(Date.now() / 1000) },
          });
        }
      },
      destroy: async (id) => {
        this.entries.delete(key(id));
      },
      // Called per token model (AccessToken, RefreshToken, AuthorizationCode …): revoke only that model's
      // entries. Interactions also carry a grantId and must survive a grant's revocation.
      revokeByGrantId: async (grantId) => {
        for (const [entryKey, entry] of this.entries) {
          if (entry.model === model && entry.payload.grantId === grantId) this.entries.delete(entryKey);
        }
      },
    };
  }

  clear(): void {
    this.entries.clear();
  }

  private read(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private findWhere(
    model: string,
    predicate: (payload: AdapterPayload) => boolean,
  ): AdapterPayload | undefined {
    for (const [key, entry] of this.entries) {
      if (entry.model === model && predicate(entry.payload)) return this.copyOf(this.read(key)?.payload);
    }
    return undefined;
  }

  private copyOf(payload: AdapterPayload | undefined): AdapterPayload | undefined {
    return payload === undefined ? undefined : structuredClone(payload);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.entries.delete(key);
    }
  }
}
