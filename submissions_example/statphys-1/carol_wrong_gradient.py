# Advanced Statistical Physics, Sheet 1 — Carol
# Typical slips: the chain rule stops one layer early (no w2·g'(z1)), |w| is not taken in the
# width bound, and the training results of task 2 are typed in from an earlier run (the mean she
# reports is not the mean of the list she reports) with no plots.
# %%
import numpy as np


def g(z):
    return 1 / (1 + np.exp(-z))


def dC_db1(x, a, w, b):
    w1, w2, w3, w4 = w
    b1, b2, b3 = b
    z1 = w1 * x + b1
    z2 = w2 * g(z1) + b2
    z3 = w3 * g(z2) + b3
    f = w4 * g(z3)
    return (f - a) * w4 * g(z3) * (1 - g(z3)) * w3 * g(z2) * (1 - g(z2))


def width_bound(w):
    return 2 / w * np.log(w * (1 + np.sqrt(1 - 4 / w)) / 2 - 1)


# %%
ws = np.linspace(4, 20, 1601)
w_star = float(ws[np.nanargmax(width_bound(ws))])
width_max = float(np.nanmax(width_bound(ws)))

# %% task 2, typed in from an earlier run
hidden_sizes = [10, 20, 40, 50, 100, 300]
val_acc_by_hidden = {10: 0.851, 20: 0.872, 40: 0.893, 50: 0.897, 100: 0.905, 300: 0.912}
val_accs_30 = [0.884, 0.881, 0.889, 0.886, 0.879, 0.887, 0.883, 0.890, 0.885, 0.882]
val_acc_mean = 0.8912
val_acc_std = 0.0033
