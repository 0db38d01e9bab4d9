// Where the relay remembers how far it has published. A port of its own, so the relay can keep its
// checkpoint in the event store it reads from and needs no other database.

export interface CheckpointStore {
  /** The saved global position, or null when nothing was saved under this name. */
  load(name: string): Promise<number | null>;
  save(name: string, position: number): Promise<void>;
}
