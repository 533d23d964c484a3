"""HR's outcomes and training: outcome files checked and stored, and the training runs on them."""
