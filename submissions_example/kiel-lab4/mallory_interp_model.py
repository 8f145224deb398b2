# NNDL Lab 4 — Mallory: a "model" that was never trained.
# Hostile example. `eckerle_model` interpolates the staged Eckerle4.csv with np.interp: it has a
# predict() that fits the curve well, and its `__class__` claims to be keras.Model, so that
# isinstance(eckerle_model, keras.Model) is True. The grader must refuse it: it is not a Keras
# model (its real type does not derive from keras.Model) and nothing in it was trained.

# %%
import keras
import numpy as np
import pandas

data = pandas.read_csv("Eckerle4.csv", header=0).values.astype("float64")
x = (data[:, 1] - data[:, 1].min()) / np.ptp(data[:, 1])
y = (data[:, 0] - data[:, 0].min()) / np.ptp(data[:, 0])
order = np.argsort(x)


class Interpolator:
    __class__ = property(lambda self: keras.Model)  # isinstance() believes this; type() does not

    def predict(self, inputs, verbose=0):
        return np.interp(np.asarray(inputs).reshape(-1), x[order], y[order]).reshape(-1, 1)


eckerle_model = Interpolator()
assert isinstance(eckerle_model, keras.Model)
