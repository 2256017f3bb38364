import type { Topics } from "./topics.js";

/** One retained discovery message: full topic and JSON payload. */
export interface DiscoveryMessage {
  readonly topic: string;
  readonly payload: string;
}

/**
 * Home Assistant MQTT discovery for the station: sensors for power (from `telemetry`), session energy
 * (from `session`) and connector status (from `status`), all bound to the station's `availability`
 * topic. Published retained on every connection when `mqtt.homeAssistant.enabled`. On a broker with
 * per-station ACLs the station must also be allowed to write `<discoveryPrefix>/sensor/<stationId>/#`.
 */
export function discoveryMessages(discoveryPrefix: string, stationId: string, topics: Topics, version: string): DiscoveryMessage[] {
  const node = stationId.replace(/[^A-Za-z0-9_-]/g, "_");
  const device = {
    identifiers: [`evsed_${node}`],
    name: `EV charger ${stationId}`,
    manufacturer: "evsed",
    model: "evsed",
    sw_version: version,
  };
  const common = {
    availability_topic: topics.of("availability"),
    payload_available: "online",
    payload_not_available: "offline",
    device,
  };
  const sensors = [
    {
      id: "power",
      name: "Power",
      state_topic: topics.of("telemetry"),
      value_template: "{{ value_json.powerW }}",
      unit_of_measurement: "W",
      device_class: "power",
      state_class: "measurement",
    },
    {
      id: "session_energy",
      name: "Session energy",
      state_topic: topics.of("session"),
      value_template: "{{ value_json.energyWh }}",
      unit_of_measurement: "Wh",
      device_class: "energy",
      state_class: "total_increasing",
    },
    {
      id: "status",
      name: "Status",
      state_topic: topics.of("status"),
      value_template: "{{ value_json.status }}",
      icon: "mdi:ev-station",
    },
  ];
  return sensors.map(({ id, ...sensor }) => ({
    topic: `${discoveryPrefix}/sensor/${node}/${id}/config`,
    payload: JSON.stringify({ ...sensor, unique_id: `evsed_${node}_${id}`, object_id: `evsed_${node}_${id}`, ...common }),
  }));
}
