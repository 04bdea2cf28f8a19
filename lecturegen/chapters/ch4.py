"""Chapter 4: MNIST with sigmoid, ReLU + softmax, and the TensorFlow quickstart.

Each experiment below is the exact code that builds and compiles its model; the slides
and the notebook show these function bodies as they are.
"""

from lecturegen.chapter import Reference, chapter, claim, experiment


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
    # Every comparative sentence of the prose, checked against this build's results
    # (content files read them as {% if claims.relu_beats_sigmoid.holds %}).
    claims=[
        claim("relu-beats-sigmoid", "relu.test_accuracy > sigmoid.test_accuracy",
              ko="ReLU + 소프트맥스 모델의 테스트 정확도가 시그모이드 모델보다 높다",
              en="The ReLU + softmax network reaches a higher test accuracy than the sigmoid network"),
        claim("relu-more-params", "relu.params > sigmoid.params",
              ko="ReLU 모델은 시그모이드 모델보다 파라미터가 많다",
              en="The ReLU network has more parameters than the sigmoid network"),
        claim("quickstart-passes-97", "quickstart.test_accuracy > 0.97",
              ko="퀵스타트 모델은 다섯 에포크 만에 테스트 정확도 97 %를 넘는다",
              en="The quickstart model passes 97 % test accuracy in five epochs"),
        claim("quickstart-best", "quickstart.test_accuracy > relu.test_accuracy and quickstart.test_accuracy > sigmoid.test_accuracy",
              ko="퀵스타트 모델이 세 모델 가운데 가장 정확하다",
              en="The quickstart model is the most accurate of the three"),
        claim("quickstart-fewest-params", "quickstart.params < relu.params and quickstart.params < sigmoid.params",
              ko="퀵스타트 모델은 세 모델 가운데 파라미터가 가장 적다",
              en="The quickstart model has the fewest parameters of the three"),
    ],
)
