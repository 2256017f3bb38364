import { resolve } from "node:path";
import type { Clock } from "../../drivers/types.js";
import type { Board } from "../config/board-schema.js";
import type { Config } from "../config/schema.js";
import { type Authorization, createAuthorization } from "../services/authorization/index.js";
import { BindingService } from "../services/binding/service.js";
import { ChargeController } from "../services/charge-controller.js";
import { EventRecorder } from "../services/events.js";
import { MeterPoller } from "../services/meter-poller.js";
import { MeteringChanges } from "../services/metering/changes.js";
import { registerMeteringCommands } from "../services/metering/commands.js";
import { MeteringService } from "../services/metering/service.js";
import { checkTariffConfig, MeteringSettings } from "../services/metering/settings.js";
import { SafetySupervisor } from "../services/safety.js";
import { SessionService } from "../services/sessions.js";
import { StatusRecorder } from "../services/status-recorder.js";
import { startUplink, type Uplink } from "../services/uplink/index.js";
import { BindingRepo } from "../store/binding-repo.js";
import { Checkpointer } from "../store/checkpointer.js";
import { type Db, openDb } from "../store/db.js";
import { IntervalsRepo } from "../store/intervals-repo.js";
import { MetaRepo } from "../store/meta-repo.js";
import { Outbox } from "../store/outbox.js";
import { SessionsRepo } from "../store/sessions-repo.js";
import { Bus } from "./bus.js";
import { buildDrivers, type DriverSet } from "./drivers.js";
import type { Logger } from "./log.js";

export interface StationOptions {
  readonly config: Config;
  readonly board: Board;
  readonly clock: Clock;
  readonly log: Logger;
  /** Directory that relative paths in the config resolve against. */
  readonly baseDir: string;
  /** Prebuilt drivers (tests, benchmarks); built from the board when absent. */
  readonly drivers?: DriverSet;
  /** Meter poll period, ms. */
  readonly meterPollMs?: number;
  /**
   * The MQTT uplink: started when `mqtt.url` is configured or `brokerUrl` (the embedded broker) is
   * given. `requestRestart` serves the `reboot` command; `configFile` the `setConfig` command.
   */
  readonly uplink?: { readonly brokerUrl?: string; readonly configFile?: string | null; readonly requestRestart: () => void };
}

/**
 * The composition root: config → drivers → services → start/stop, and nothing else.
 * Start order puts safety first: the contactor is opened before the database is even touched, and
 * the controller is listening before the pilot driver reports its first state.
 */
export class Station {
  readonly bus: Bus;
  readonly drivers: DriverSet;
  readonly controller: ChargeController;
  db!: Db;
  outbox!: Outbox;
  events!: EventRecorder;
  sessions!: SessionService;
  metering!: MeteringService;
  meteringChanges!: MeteringChanges;
  meter: MeterPoller | null = null;
  private safety!: SafetySupervisor;
  auth!: Authorization;
  binding!: BindingService;
  private status!: StatusRecorder;
  private meta!: MetaRepo;
  private checkpointer: Checkpointer | null = null;
  uplink: Uplink | null = null;
  private readonly unsubscribe: (() => void)[] = [];
  private notifyUplink: () => void = () => {};
  private started = false;

  constructor(private readonly opts: StationOptions) {
    const { config, board, clock, log } = opts;
    checkTariffConfig(config, opts.uplink?.configFile ?? "configuration");
    this.bus = new Bus((event, err) => log.error({ err, event }, "bus listener failed"));
    this.drivers = opts.drivers ?? buildDrivers({ board, config, clock, log, baseDir: opts.baseDir });
    this.controller = new ChargeController({
      config: {
        maxCurrentA: Math.min(board.ratedCurrentA, config.charging.maxCurrentA),
        dutyChangeMinIntervalMs: config.charging.dutyChangeMinIntervalMs,
        c1ForceOpenMs: config.charging.c1ForceOpenMs,
        ventilationAllowed: config.charging.ventilationAllowed && board.capabilities.ventilation,
      },
      defaultCurrentA: config.charging.defaultCurrentA,
      ...(this.drivers.pilot ? { pilot: this.drivers.pilot } : {}),
      ...(this.drivers.contactor ? { contactor: this.drivers.contactor } : {}),
      clock,
      bus: this.bus,
      log: log.child({ component: "controller" }),
    });
  }

  get databasePath(): string {
    return resolve(this.opts.baseDir, this.opts.config.dataDir, "evsed.db");
  }

  /** Lets the uplink learn that a record was committed. */
  setNotifier(fn: () => void): void {
    this.notifyUplink = fn;
  }

  async start(): Promise<void> {
    const d = this.drivers;
    // 1. Fail safe before anything else: contactor open.
    if (d.contactor) {
      if (!this.isSim(d.contactor)) await d.contactor.start();
      d.contactor.set(false);
    }
    // 2. The store. 3. Services, subscribed before the drivers report anything.
    const cleanShutdown = this.openStore();
    this.createServices(cleanShutdown);
    // 4. The rest of the hardware; the pilot's first report drives recovery.
    await this.startHardware();
    // 5. The uplink reads only the outbox and the bus; a broker that is down only delays sending.
    await this.connectUplink();
    this.opts.log.info({ stationId: this.opts.config.stationId, board: this.opts.board.name, db: this.databasePath }, "station started");
  }

  /** Opens the database and records the boot; returns whether the previous run stopped cleanly. */
  private openStore(): boolean {
    const { config, clock, log } = this.opts;
    const opened = openDb(this.databasePath, () => clock.now());
    this.db = opened.db;
    // Checkpoints would otherwise block the event loop (and so the pilot) for milliseconds at a time.
    this.checkpointer = Checkpointer.start(this.db, this.databasePath, {
      onFailure: (err) => log.error({ err }, "WAL checkpoint worker failed: SQLite checkpoints on the station's connection again"),
    });
    this.outbox = new Outbox(this.db);
    this.meta = new MetaRepo(this.db);
    this.events = new EventRecorder({
      db: this.db,
      outbox: this.outbox,
      clock,
      bus: this.bus,
      stationId: config.stationId,
      notify: () => this.notifyUplink(),
    });
    const cleanShutdown = this.meta.get("cleanShutdown") === "1";
    this.meta.set("cleanShutdown", "0");
    this.events.record("boot", {
      board: this.opts.board.name,
      cleanShutdown,
      ...(opened.movedAside ? { corruptDatabaseMovedTo: opened.movedAside } : {}),
    });
    if (opened.movedAside)
      log.error({ movedTo: opened.movedAside }, "database failed its integrity check; moved aside, starting a new one");

    return cleanShutdown;
  }

  /** Builds every service and subscribes it to the bus; no hardware has reported yet. */
  private createServices(cleanShutdown: boolean): void {
    const { config, clock, log } = this.opts;
    const d = this.drivers;
    const stationId = config.stationId;
    const notify = () => this.notifyUplink();
    const bindings = new BindingRepo(this.db);
    const attributionOf = (sessionId: string) => bindings.attribution(sessionId);
    if (d.meter)
      this.meter = new MeterPoller({
        meter: d.meter,
        clock,
        bus: this.bus,
        log: log.child({ component: "meter" }),
        pollIntervalMs: this.opts.meterPollMs ?? 1000,
      });
    const sessionsRepo = new SessionsRepo(this.db);
    this.sessions = new SessionService({
      db: this.db,
      repo: sessionsRepo,
      outbox: this.outbox,
      events: this.events,
      bus: this.bus,
      clock,
      control: this.controller,
      meter: this.meter,
      ctx: { stationId, premiseId: config.premiseId ?? null },
      log: log.child({ component: "sessions" }),
      notify,
      updateIntervalMs: 60_000,
      cleanShutdown,
      onClosing: (row) => this.metering.sessionClosing(row),
      beforeClosing: () => this.metering.observeClock(),
      chargingMs: (id) => this.metering.chargingMs(id),
      attribution: attributionOf,
      stamped: (id, field, wallMs) => this.metering.stamped(id, field, wallMs),
    });
    const settings = new MeteringSettings(config, this.meta, () => {
      const id = this.sessions.current()?.id;
      const a = id ? attributionOf(id) : null;
      return a && (a.binding === "bound" || a.binding === "unbound") ? a : null;
    });
    this.metering = new MeteringService({
      db: this.db,
      repo: new IntervalsRepo(this.db),
      sessions: sessionsRepo,
      outbox: this.outbox,
      events: this.events,
      bus: this.bus,
      clock,
      log: log.child({ component: "metering" }),
      settings,
      stationId,
      flagSession: (flag) => this.sessions.addFlag(flag),
      recordCorrected: (row, extra) => this.sessions.recordCorrected(row, extra),
      notify,
    });
    this.meteringChanges = new MeteringChanges({
      settings,
      clock,
      events: this.events,
      openInterval: () => this.metering.openInterval(),
    });
    this.safety = new SafetySupervisor({
      config: { feedbackSettleMs: config.charging.feedbackSettleMs, overCurrentGraceMs: config.charging.overCurrentGraceMs },
      ...(d.contactor ? { contactor: d.contactor } : {}),
      bus: this.bus,
      clock,
      raiseFault: (code, detail) => this.controller.raiseFault(code, detail),
    });
    const sessionNow = () => {
      const c = this.sessions.current();
      return c ? { id: c.id, startRegisterWh: c.startRegisterWh, tokenId: c.tokenId } : null;
    };
    this.auth = createAuthorization({
      config: config.authorization,
      db: this.db,
      meta: this.meta,
      bus: this.bus,
      control: this.controller,
      events: this.events,
      log: log.child({ component: "auth" }),
      clock,
      attribution: bindings,
      session: sessionNow,
      flagSession: (flag) => this.sessions.addFlag(flag),
      priceE4At: (ms) => settings.tariffAt(ms).rate(ms, false).priceE4,
      bulkWrite: Checkpointer.bulkWrite(this.checkpointer),
    });
    this.binding = new BindingService({
      config: config.binding,
      premiseId: config.premiseId ?? null,
      hasPevLink: d.pevLink !== undefined,
      repo: bindings,
      bus: this.bus,
      clock,
      log: log.child({ component: "binding" }),
      events: this.events,
      control: this.controller,
      requests: () => this.uplink?.requests ?? null,
      sessionId: () => this.sessions.current()?.id ?? null,
      setIntervalLength: (s) => this.meteringChanges.setIntervalLength(s, "binding"),
      intervalS: () => settings.intervalS(),
    });
    this.status = new StatusRecorder({ meta: this.meta, bus: this.bus, sessions: this.sessions, stationId });
    this.unsubscribe.push(
      this.bus.on("fault", (f) => this.events.record(f.raised ? "faultRaised" : "faultCleared", { code: f.code, detail: f.detail })),
    );
    this.sessions.start();
    this.metering.start();
    this.status.start();
    this.auth.service.start();
    this.binding.start();
    this.controller.start();
    this.safety.start();
  }

  private async startHardware(): Promise<void> {
    const d = this.drivers;
    if (d.tokenReader) this.unsubscribe.push(d.tokenReader.on((t) => this.bus.emit("token", t)));
    if (d.pevLink) this.unsubscribe.push(d.pevLink.on((e) => this.bus.emit("pev", e)));
    for (const l of d.lifecycle) await l.start();
    // The simulated world starts its own drivers (and the scenario); the others start here.
    await d.sim?.start();
    for (const driver of this.ownDrivers()) await driver.start();
    this.meter?.start();
    this.started = true;
  }

  private async connectUplink(): Promise<void> {
    const { config, clock, log } = this.opts;
    const stationId = config.stationId;
    const up = this.opts.uplink;
    if (up && (config.mqtt.url || up.brokerUrl)) {
      this.uplink = await startUplink({
        config,
        stationId,
        db: this.db,
        outbox: this.outbox,
        bus: this.bus,
        control: this.auth.remoteControl(this.controller),
        clock,
        log: log.child({ component: "uplink" }),
        statusSources: { binding: () => this.binding.statusBinding(), activation: () => this.auth.activation.get() },
        requestRestart: up.requestRestart,
        ...(up.configFile ? { configFile: up.configFile } : {}),
        ...(up.brokerUrl ? { brokerUrl: up.brokerUrl } : {}),
      });
      const uplink = this.uplink;
      registerMeteringCommands(uplink.commands, this.meteringChanges);
      this.auth.registerCommands(uplink.commands);
      this.auth.setRequests(uplink.requests);
      this.setNotifier(() => uplink.notify());
      uplink.notify();
    }
  }

  private isSim(driver: object): boolean {
    const sim = this.drivers.sim;
    return sim !== undefined && [sim.pilot, sim.contactor, sim.meter, sim.tokenReader, sim.pevLink].includes(driver as never);
  }

  /** Drivers other than the contactor (started first) and the simulated ones (the world starts those). */
  private ownDrivers(): { start(): Promise<void>; stop(): Promise<void> }[] {
    const d = this.drivers;
    return [d.meter, d.gridMeter, d.pilot, d.tokenReader, d.pevLink].filter(
      (x): x is NonNullable<typeof x> => x !== undefined && !this.isSim(x),
    );
  }

  /** Contactor open first, then flush and release everything. Never throws. */
  async stop(): Promise<void> {
    this.controller.stop();
    if (!this.started) {
      // A start that failed half-way: release what it opened, keep nothing else running.
      for (const u of this.unsubscribe.splice(0)) u();
      await this.drivers.contactor?.stop().catch(() => undefined);
      await this.checkpointer?.stop();
      if (this.db?.open) this.db.close();
      return;
    }
    this.started = false;
    const { log } = this.opts;
    for (const u of this.unsubscribe.splice(0)) u();
    this.safety.stop();
    this.auth.service.stop();
    this.auth.setRequests(null);
    this.binding.stop();
    await this.meter?.stop();
    await this.sessions.stop();
    this.metering.stop();
    this.status.stop();
    await this.uplink?.stop();
    this.uplink = null;
    const d = this.drivers;
    for (const driver of [
      ...this.ownDrivers().reverse(),
      ...(d.sim ? [d.sim] : []),
      ...(d.contactor && !this.isSim(d.contactor) ? [d.contactor] : []),
    ]) {
      await driver.stop().catch((err: unknown) => log.warn({ err }, "driver stop failed"));
    }
    for (const l of d.lifecycle) await l.stop().catch(() => undefined);
    this.meta.set("cleanShutdown", "1");
    await this.checkpointer?.stop();
    this.db.close();
    log.info("station stopped");
  }
}
