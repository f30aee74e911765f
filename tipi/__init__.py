"""Card payment through the Treasury (PayFiP) and its local simulator."""
