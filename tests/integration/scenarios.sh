#!/bin/bash
# Replay every tests/scenarios/*.scn through the real programs (see tests/scenario.py).
. "$(dirname "$0")/../lib.sh"
"$PYTHON" "$TOP/tests/scenario.py" "$TOP"/tests/scenarios/*.scn
