"""Keras 2 style: the first layer declares the input shape itself."""
import keras

model = keras.Sequential([
    keras.layers.Dense(32, activation="relu", input_shape=(784,)),
    keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
