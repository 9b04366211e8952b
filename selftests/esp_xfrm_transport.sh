#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every ESP transform against Linux XFRM in transport mode: esp_xfrm.sh (not a
# test by itself: it is not executable) with ESP_MODES=transport.  The two modes
# are separate tests so that the runner can give them a guest each.
# ESP_TRANSPORT_CASES, when set, narrows this mode alone (CI: the whole
# matrix in tunnel mode, a representative subset in transport mode).
if [ -n "${ESP_TRANSPORT_CASES:-}" ]; then
	export ESP_CASES=$ESP_TRANSPORT_CASES
fi
ESP_MODES=transport exec bash "$(dirname "$0")/esp_xfrm.sh"
