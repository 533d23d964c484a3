"""HR's model governance: every model version, comparisons and fairness, promote and roll back."""
