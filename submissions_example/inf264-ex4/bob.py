# Bob's answers as a script; '# %%' splits it into cells.
# %%
H1_size, H2_size = 3, 2
W1_shape = (3, 2)
W2_shape = (2, 3)
W3_shape = (1, 2)
model_is_linear = True
# %%
baseline_accuracy = 0.5
best_feature = 'x1*x2'
# %%
x, y, w1, w2, lr = 1, 5, 3, 2, 0.1
z = w1 * x
h = max(0, z)
y_hat = w2 * h
print(z, h, y_hat)
# %%
dL_dyhat = y_hat - y
dL_dw2 = dL_dyhat * h
dL_dw1 = dL_dyhat * w2 * (1 if z > 0 else 0) * x
w1_new = w1 - lr * dL_dw1
w2_new = w2 - lr * dL_dw2
# %%
def forward_backward(x, y, w1, w2, lr):
    z = w1 * x
    h = z if z > 0 else 0.0
    y_hat = w2 * h
    g = y_hat - y
    d1 = g * w2 * (1.0 if z > 0 else 0.0) * x
    d2 = g * h
    return dict(z=z, h=h, y_hat=y_hat, dL_dw1=d1, dL_dw2=d2, w1_new=w1 - lr * d1, w2_new=w2 - lr * d2)
