"""The category tree of disputes and hazards (纠纷类别)."""
