import { Type } from "@sinclair/typebox";

/** How the station learns that its wall clock is synchronized (records are flagged `clockUnsynced` until then). */
export const ClockSection = Type.Object(
  {
    sync: Type.Union([Type.Literal("timesyncd"), Type.Literal("timedatectl"), Type.Literal("always")], {
      default: "timesyncd",
      description:
        "`timesyncd`: systemd-timesyncd's flag file (Raspberry Pi OS default). `timedatectl`: its NTPSynchronized " +
        "property, which any NTP daemon sets (chrony, ntpd), asked every 30 s. `always`: trust the clock (a board " +
        "whose clock is kept right by other means).",
    }),
  },
  { additionalProperties: false, default: {} },
);
