"""The names of the LP's components, defined once: the model is built with them and the
solver hands values and duals back under them, so results and studies look them up here.

Variables (t unless said):
    FLOW[i, j, c, x, t]      moved on an arc          MAKE[m, g, t]     magnets made
    UNUSED[i, e, t]          made, neither used nor sold
    UNMET[s, t]              demand not served         STOCK[i, e, t]    held at year end
    VIOLATION[p]             soft policy overrun       SHORTFALL[k, t]   paid, not taken
    COMP[f], MAKE_C[m, g, t] compliant parts of FLOW and MAKE
    BUILD[p, y]              t/yr of project p's capacity online from year y
    CHOOSE[p, y]             1 if go/no-go project p comes online in year y (binary)
"""

from __future__ import annotations

# variables
FLOW = "Flow"
MAKE = "Make"
UNUSED = "Unused"
UNMET = "Unmet"
STOCK = "Stock"
VIOLATION = "Violation"
SHORTFALL = "Shortfall"
COMP = "Comp"
MAKE_C = "MakeC"
BUILD = "Build"
CHOOSE = "Choose"

# constraints
ELEMENT_BALANCE = "Element_Balance"
METAL_BALANCE = "Metal_Balance"
GRADE_BALANCE = "Grade_Balance"
SWARF_LIMIT = "Swarf_Limit"
CAPACITY = "Capacity"
MARKET_ITEM_CAP = "Market_Item_Cap"
DEMAND_BALANCE = "Demand_Balance"
STOCK_CARRY = "Stock_Carry"
POLICY = "Policy"
CONTRACT_MIN = "Contract_Min"
CONTRACT_MAX = "Contract_Max"
CONTRACT_SHARE = "Contract_Share"
MARKET_SALE_CAP = "Market_Sale_Cap"
PROJECT_MAX = "Project_Max"
PROJECT_MIN = "Project_Min"
PROJECT_ONCE = "Project_Once"
PROJECT_SIZE_MIN = "Project_Size_Min"
PROJECT_SIZE_MAX = "Project_Size_Max"
RISK_CAP = "Risk_Cap"
SERVICE_LEVEL = "Service_Level"
CVAR_CAP = "CVaR_Cap"
NONANTICIPATIVE = "Nonanticipative"

# objectives and expressions
OBJECTIVE = "Objective"
MIN_RISK = "MinRisk"
MIN_CVAR = "MinCVaR"
TOTAL_COST = "TotalCost"
TOTAL_RISK = "TotalRisk"
