// Live tail over /loki/api/v1/tail (WebSocket): new matching lines are
// added as they arrive, at most `limit` are kept, and a paused tail keeps
// receiving but holds the lines back until it resumes.
import * as api from "./api";
import type { ResultsList } from "./results";

export class LiveTail {
  private socket: WebSocket | null = null;
  private held: api.LogEntry[] = [];
  private received = 0;
  private dropped = 0;
  private pausedFlag = false;
  private limit = 1000;
  private newestFirst = true;
  private n = 0;

  constructor(
    private readonly results: ResultsList,
    private readonly onStatus: (text: string) => void,
    private readonly onError: (message: string) => void,
    private readonly onEnded: () => void,
  ) {}

  get paused(): boolean {
    return this.pausedFlag;
  }

  set paused(value: boolean) {
    this.pausedFlag = value;
    if (!value) this.flush();
    this.status();
  }

  start(query: string, limit: number, newestFirst: boolean): void {
    this.stop();
    this.limit = Math.min(limit, 10000);
    this.newestFirst = newestFirst;
    this.received = 0;
    this.dropped = 0;
    const startNs = BigInt(Date.now() - 10_000) * 1000000n;
    const socket = new WebSocket(api.tailUrl(query, startNs, Math.min(limit, 100)), api.tailProtocols());
    this.socket = socket;
    this.onStatus("Connecting…");
    socket.onopen = () => this.status();
    socket.onmessage = (ev) => this.onMessage(String(ev.data));
    socket.onerror = () => {
      if (this.socket === socket) this.onError("live tail: the connection failed");
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (ev.code !== 1000 && ev.reason) this.onError("live tail stopped: " + ev.reason);
      else this.onStatus(`Live tail ended · ${this.received} lines received`);
      this.onEnded();
    };
  }

  stop(): void {
    const s = this.socket;
    this.socket = null;
    this.held = [];
    this.pausedFlag = false;
    if (s && s.readyState <= WebSocket.OPEN) s.close(1000);
  }

  private onMessage(text: string): void {
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      return;
    }
    const entries: api.LogEntry[] = [];
    for (const s of body.streams ?? []) {
      for (const v of s.values ?? []) {
        entries.push({
          ns: v[0],
          ms: Number(BigInt(v[0]) / 1000000n) + Number(BigInt(v[0]) % 1000000n) / 1e6,
          line: v[1],
          stream: s.stream ?? {},
          metadata: v[2]?.structuredMetadata ?? {},
          parsed: v[2]?.parsed ?? {},
          key: `tail:${this.n++}`,
          mixedLabels: true,
        });
      }
    }
    entries.sort((a, b) => api.compareNs(a.ns, b.ns));
    this.received += entries.length;
    this.dropped += (body.dropped_entries ?? []).length;
    this.held.push(...entries);
    if (this.held.length > this.limit) this.held = this.held.slice(this.held.length - this.limit);
    if (!this.pausedFlag) this.flush();
    this.status();
  }

  private flush(): void {
    this.results.add(this.held, this.newestFirst, this.limit);
    this.held = [];
  }

  private status(): void {
    if (!this.socket) return;
    let text = `Live · ${this.received} lines received · ${this.results.size} shown (at most ${this.limit})`;
    if (this.pausedFlag) text += ` · paused, ${this.held.length} waiting`;
    if (this.dropped > 0) text += ` · ${this.dropped} dropped by the server`;
    this.onStatus(text);
  }
}
