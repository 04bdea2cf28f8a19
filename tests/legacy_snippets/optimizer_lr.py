"""Chapter 4 (2019 handout): a small MNIST MLP written for Keras 2."""
from tensorflow import keras
from keras.optimizers import Adam

model = keras.Sequential([
    keras.Input(shape=(784,)),
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(loss="sparse_categorical_crossentropy",
              optimizer=Adam(lr=0.001),
              metrics=["accuracy"])
