#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every ESP transform against Linux XFRM in tunnel mode: esp_xfrm.sh (not a
# test by itself: it is not executable) with ESP_MODES=tunnel.  The two modes
# are separate tests so that the runner can give them a guest each.
ESP_MODES=tunnel exec bash "$(dirname "$0")/esp_xfrm.sh"
