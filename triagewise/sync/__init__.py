"""Pull (mirror into the store); later: plan and apply."""
