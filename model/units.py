"""Units and tolerances, defined once.

Flows are in t per year and unit costs in USD/kg, which is also thousand USD per t: every
cost expression of the model is in kUSD (`KUSD` USD) and every balance dual in USD/kg.
"""

from __future__ import annotations

KUSD = 1000.0  # USD in the model's money unit (t x USD/kg = kUSD)

# Tolerances, each in the unit its name says
FLOW_T = 1e-7  # t: a smaller flow, stock or amount is reported as none
SLACK_T = 1e-6  # t: a constraint within this of its limit holds with equality (binds)
DUAL = 1e-9  # USD/kg: a smaller dual or reduced cost is zero
SHARE = 1e-9  # a fraction: shares that sum to 1 + SHARE are still whole
