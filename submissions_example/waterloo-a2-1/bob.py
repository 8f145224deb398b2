# %%
import numpy as np
x = np.array([3., 1.]); C = np.array([[2., -1.5], [0., 3.]]); b = np.array([-3., 2.5])
w = np.array([0.5, 1.]); b3 = -1.; t = 1.; lr = 0.1
sig = lambda z: 1 / (1 + np.exp(-z))
# %%
def collapse_linear(C, b, w, b3):
    C, b, w = np.asarray(C), np.asarray(b), np.asarray(w)
    return w @ C, w @ b + b3
# %%
h = sig(C @ x + b)
y = sig(w @ h + b3)
# %%
loss = 0.5 * (t - y) ** 2
d_out = -(t - y) * y * (1 - y)
dL_dw = d_out * h
dL_db3 = d_out
dL_db = d_out * w * h * (1 - h)
dL_dC = np.outer(dL_db, x)
w_new, b3_new, C_new, b_new = w - lr * dL_dw, b3 - lr * dL_db3, C - lr * dL_dC, b - lr * dL_db
# %%
def dsigmoid(z):
    return sig(z) * (1 - sig(z))

def dtanh(z):
    return 1 / np.cosh(z) ** 2
# %%
h_r = np.maximum(C @ x + b, 0)
y_relu = sig(w @ h_r + b3)
loss_relu = 0.5 * (t - y_relu) ** 2
d = (y_relu - t) * y_relu * (1 - y_relu)
dL_dw_relu = d * h_r
dL_db3_relu = d
dL_db_relu = d * w * (C @ x + b > 0)
dL_dC_relu = np.outer(dL_db_relu, x)
w_new_relu = w - lr * dL_dw_relu
b3_new_relu = b3 - lr * dL_db3_relu
C_new_relu = C - lr * dL_dC_relu
b_new_relu = b - lr * dL_db_relu
