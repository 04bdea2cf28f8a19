"""Chapter 4: MNIST with sigmoid, ReLU + softmax, and the TensorFlow quickstart.

Each experiment below is the exact code that builds and compiles its model; the slides
and the notebook show these function bodies as they are.
"""

from lecturegen.chapter import Reference, chapter, experiment


@experiment(
    title={"ko": "시그모이드 신경망 (3장 기준 모델)", "en": "Sigmoid network (the chapter-3 baseline)"},
    epochs=10,
    batch_size=32,
    inputs="flat",
    labels="onehot",
    reference=Reference(test_accuracy=0.8322, test_loss=0.5365, params=134_794),
)
def sigmoid():
    from tensorflow import keras

    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(128, activation="sigmoid"),
        keras.layers.Dense(128, activation="sigmoid"),
        keras.layers.Dense(128, activation="sigmoid"),
        keras.layers.Dense(10, activation="sigmoid"),
    ])
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@experiment(
    title={"ko": "ReLU + 소프트맥스 신경망", "en": "ReLU + softmax network"},
    epochs=10,
    batch_size=32,
    inputs="flat",
    labels="onehot",
    reference=Reference(test_accuracy=0.9519, test_loss=0.1802, params=167_818),
)
def relu():
    from tensorflow import keras

    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.001),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@experiment(
    title={"ko": "TensorFlow 공식 퀵스타트 모델", "en": "The official TensorFlow quickstart model"},
    epochs=5,
    batch_size=32,
    inputs="image",
    labels="int",
    reference=Reference(
        test_accuracy=0.9773, params=101_770, train_accuracy=(0.9157, 0.9577, 0.9680, 0.9728, 0.9772)
    ),
)
def quickstart():
    from tensorflow import keras

    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


CHAPTER = chapter(
    id="ch4",
    title={
        "ko": "인공지능 TensorFlow, 4장: 활성화 함수와 MNIST 정확도 올리기",
        "en": "AI with TensorFlow, chapter 4: activation functions and better MNIST accuracy",
    },
    experiments=[sigmoid, relu, quickstart],
    figures=["activations", "curves", "comparison"],
)
