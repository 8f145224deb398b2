# %% [markdown]
# # Advanced Statistical Physics, Sheet 1 — Alice (correct; population std)
# The grader sets `GRADER_SEED` when it calibrates; by default the seed is 0.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

SEED = int(os.environ.get("GRADER_SEED", "0"))


def g(z):
    return 1.0 / (1.0 + np.exp(-z))


def dg(z):
    return g(z) * (1.0 - g(z))

# %% [markdown]
# ## 1a
# With z₁ = w₁x + b₁, zᵢ = wᵢ g(zᵢ₋₁) + bᵢ and f = w₄ g(z₃), the chain rule gives
#
# ∂C/∂b₁ = (f − a) · w₄ g′(z₃) · w₃ g′(z₂) · w₂ g′(z₁).
#
# Since g′ ≤ 1/4, every factor |wᵢ g′(zᵢ₋₁)| is below 1 unless the weights are large: the gradient
# reaching the first layer is a product of small numbers and vanishes with depth.

# %%
def dC_db1(x, a, w, b):
    w1, w2, w3, w4 = w
    b1, b2, b3 = b
    z1 = w1 * x + b1
    z2 = w2 * g(z1) + b2
    z3 = w3 * g(z2) + b3
    f = w4 * g(z3)
    grad = (f - a) * w4 * dg(z3)  # ∂C/∂z3
    grad = grad * w3 * dg(z2)  # ∂C/∂z2
    return float(grad * w2 * dg(z1))

# %% [markdown]
# ## 1b
# g′(z) = g(1 − g) ≤ 1/4 for every z, so |w g′(wz + b)| ≤ |w|/4, which is ≥ 1 only if |w| ≥ 4.
#
# ## 1c
# Put t = g(wz + b) ∈ (0, 1). |w| t(1 − t) ≥ 1 ⇔ t² − t + 1/|w| ≤ 0 ⇔ t ∈ [t₋, t₊] with
# t± = (1 ± √(1 − 4/|w|))/2. As wz + b = ln(t/(1 − t)), the preactivations wz + b range over
# ln(t₊/t₋) = 2 ln(|w|(1 + √(1 − 4/|w|))/2 − 1) (using t₊t₋ = 1/|w|), so z ranges over an interval of
# width (2/|w|) ln(|w|(1 + √(1 − 4/|w|))/2 − 1).

# %%
def width_bound(w):
    w = abs(w)
    return 2.0 / w * np.log(w * (1.0 + np.sqrt(1.0 - 4.0 / w)) / 2.0 - 1.0)

# %% [markdown]
# ## 1d

# %%
ws = np.linspace(4.0, 20.0, 160001)
widths = width_bound(ws)
w_star = float(ws[np.argmax(widths)])
width_max = float(widths.max())
print(f"maximum width {width_max:.4f} at |w| = {w_star:.3f}")
plt.plot(ws, widths)
plt.xlabel("|w|")
plt.ylabel("width bound")
plt.show()

# %% [markdown]
# ## 2 Training with TensorFlow
# MNIST as `keras.datasets.mnist.load_data()` returns it; the last sixth of the training images
# is the validation set (10,000 of 60,000 for the full data set).

# %%
import keras

(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train.reshape(len(x_train), -1).astype("float32") / 255.0
n_val = len(x_train) // 6
x_fit, y_fit = x_train[:-n_val], y_train[:-n_val]
x_val, y_val = x_train[-n_val:], y_train[-n_val:]


def train(hidden, seed, epochs=5):
    keras.utils.set_random_seed(seed)  # Python, numpy and TF: tf.random.set_seed alone is not enough
    model = keras.Sequential([
        keras.Input(shape=(x_fit.shape[1],)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_fit, y_fit, epochs=epochs, batch_size=32, validation_data=(x_val, y_val),
                        verbose=0)
    return history.history["val_accuracy"][-1]

# %% [markdown]
# ### 2a

# %%
hidden_sizes = [10, 20, 40, 50, 100, 300]
val_acc_by_hidden = {n: float(train(n, 1000 * SEED + n)) for n in hidden_sizes}
print(val_acc_by_hidden)
plt.plot(hidden_sizes, [val_acc_by_hidden[n] for n in hidden_sizes], "o-")
plt.xscale("log")
plt.xlabel("hidden-layer size")
plt.ylabel("validation accuracy after 5 epochs")
plt.show()

# %% [markdown]
# ### 2b

# %%
val_accs_30 = [float(train(30, 1000 * SEED + 500 + run)) for run in range(10)]
val_acc_mean = float(np.mean(val_accs_30))
val_acc_std = float(np.std(val_accs_30))
print(f"hidden size 30: {val_acc_mean:.4f} ± {val_acc_std:.4f}")
plt.plot(range(10), val_accs_30, "o")
plt.xlabel("run")
plt.ylabel("validation accuracy")
plt.show()
