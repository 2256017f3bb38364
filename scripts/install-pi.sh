#!/usr/bin/env bash
# Install evsed on a Raspberry Pi (Raspberry Pi OS Bookworm): a system user, /opt/evsed, the config
# directory, udev rules and the systemd unit. Run as root from an unpacked release or a checkout.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "install-pi: run as root (sudo $0)" >&2; exit 2; }
command -v node >/dev/null || { echo "install-pi: Node.js >= 20 is required (apt-get install nodejs)" >&2; exit 2; }

getent group gpio >/dev/null || groupadd --system gpio
id evsed >/dev/null 2>&1 || useradd --system --home /var/lib/evsed --shell /usr/sbin/nologin --groups gpio,dialout evsed

mkdir -p /opt/evsed /etc/evsed /var/lib/evsed
cp -a "$src/package.json" "$src/package-lock.json" "$src/bin" "$src/boards" "$src/docs" /opt/evsed/
[ -d "$src/dist" ] || (cd "$src" && npm ci && npm run build)
cp -a "$src/dist" /opt/evsed/
(cd /opt/evsed && npm ci --omit=dev --no-audit --no-fund)
chown -R evsed:evsed /var/lib/evsed

if [ ! -f /etc/evsed/evsed.yaml ]; then
  cat > /etc/evsed/evsed.yaml <<YAML
# Set the station and premise IDs, pick the board, then: evsed doctor && systemctl start evsed
stationId: CHANGE-ME
board: /opt/evsed/boards/rpi-relay-sdm120.json
dataDir: /var/lib/evsed
YAML
  chmod 0640 /etc/evsed/evsed.yaml
  chgrp evsed /etc/evsed/evsed.yaml
fi

install -m 0644 "$src/scripts/udev/99-evsed.rules" /etc/udev/rules.d/99-evsed.rules
udevadm control --reload-rules && udevadm trigger || true
install -m 0644 "$src/scripts/systemd/evsed.service" /etc/systemd/system/evsed.service
systemctl daemon-reload
systemctl enable evsed
echo "install-pi: done. Edit /etc/evsed/evsed.yaml, run 'node /opt/evsed/bin/evsed.js doctor', then 'systemctl start evsed'."
