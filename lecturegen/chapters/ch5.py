"""Chapter 5: a convolutional network on the same digits, against chapter 4's quickstart MLP.

Written only through the public chapter interface (:mod:`lecturegen.chapter`), like an
instructor's own chapter. The MLP is chapter 4's ``quickstart`` experiment itself, imported
rather than retyped, so both chapters show the same code and train it with the same settings.
"""

from lecturegen.chapter import chapter, claim, experiment
from lecturegen.chapters.ch4 import quickstart


@experiment(
    title={"ko": "합성곱 신경망 (CNN)", "en": "Convolutional network (CNN)"},
    epochs=quickstart.epochs,
    batch_size=quickstart.batch_size,
    inputs="image",
    labels="int",
)
def cnn():
    from tensorflow import keras

    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Reshape((28, 28, 1)),
        keras.layers.Conv2D(32, kernel_size=3, activation="relu"),
        keras.layers.MaxPooling2D(pool_size=2),
        keras.layers.Conv2D(64, kernel_size=3, activation="relu"),
        keras.layers.MaxPooling2D(pool_size=2),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


CHAPTER = chapter(
    id="ch5",
    title={
        "ko": "인공지능 TensorFlow, 5장: 합성곱 신경망 (CNN)",
        "en": "AI with TensorFlow, chapter 5: convolutional neural networks (CNN)",
    },
    experiments=[quickstart, cnn],
    figures=["curves", "comparison", "params"],
    claims=[
        claim("cnn-beats-mlp", "cnn.test_accuracy > quickstart.test_accuracy",
              ko="CNN의 테스트 정확도가 퀵스타트 MLP보다 높다",
              en="The CNN reaches a higher test accuracy than the quickstart MLP"),
        claim("cnn-trains-longer", "cnn.wall_time_s > quickstart.wall_time_s",
              ko="CNN은 퀵스타트 MLP보다 학습 시간이 길다",
              en="The CNN takes longer to train than the quickstart MLP"),
    ],
)
