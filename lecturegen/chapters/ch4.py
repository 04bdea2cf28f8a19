"""Chapter 4: MNIST with sigmoid, ReLU + softmax, and the TensorFlow quickstart.

Each experiment below is the exact code that builds and compiles its model; the slides
and the notebook show these function bodies as they are.

Besides the three runs of the main comparison, two side studies train one small network
(:func:`dense_network`) again and again: once per optimizer of section 4 (group
``optimizers``) and once per way of batching the data (group ``batching``).
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


# ---------------------------------------------------------------- section 4: optimizers

OPTIMIZER_EPOCHS = 3  # every optimizer run: same network, same data, same number of epochs


def dense_network():
    from tensorflow import keras

    return keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])


@experiment(
    title={"ko": "SGD (학습률 0.01)", "en": "SGD (learning rate 0.01)"},
    epochs=OPTIMIZER_EPOCHS, group="optimizers", uses=(dense_network,),
)
def opt_sgd():
    from tensorflow import keras

    model = dense_network()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@experiment(
    title={"ko": "모멘텀 (SGD + momentum 0.9)", "en": "Momentum (SGD + momentum 0.9)"},
    epochs=OPTIMIZER_EPOCHS, group="optimizers", uses=(dense_network,),
)
def opt_momentum():
    from tensorflow import keras

    model = dense_network()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@experiment(
    title={"ko": "Adagrad", "en": "Adagrad"},
    epochs=OPTIMIZER_EPOCHS, group="optimizers", uses=(dense_network,),
)
def opt_adagrad():
    from tensorflow import keras

    model = dense_network()
    model.compile(
        optimizer=keras.optimizers.Adagrad(learning_rate=0.01, epsilon=1e-6),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@experiment(
    title={"ko": "RMSprop", "en": "RMSprop"},
    epochs=OPTIMIZER_EPOCHS, group="optimizers", uses=(dense_network,),
)
def opt_rmsprop():
    from tensorflow import keras

    model = dense_network()
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.001, rho=0.9, epsilon=1e-6),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@experiment(
    title={"ko": "Adam", "en": "Adam"},
    epochs=OPTIMIZER_EPOCHS, group="optimizers", uses=(dense_network,),
)
def opt_adam():
    from tensorflow import keras

    model = dense_network()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


# ---------------------------------------------------------------- section 4: batch GD, SGD, mini-batch

BATCHING_EPOCHS = 2  # the fixed budget: every way of batching sees the training set this many times


@experiment(
    title={"ko": "배치 경사 하강법 (배치 = 훈련 세트 전체)", "en": "Batch gradient descent (batch = whole training set)"},
    epochs=BATCHING_EPOCHS, batch_size=None, group="batching", uses=(dense_network,),
)
def full_batch():
    from tensorflow import keras

    model = dense_network()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=100,
    )
    return model


@experiment(
    title={"ko": "확률적 경사 하강법 (배치 1)", "en": "Stochastic gradient descent (batch 1)"},
    epochs=BATCHING_EPOCHS, batch_size=1, group="batching", uses=(dense_network,),
)
def single_sample():
    from tensorflow import keras

    model = dense_network()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=100,
    )
    return model


@experiment(
    title={"ko": "미니배치 경사 하강법 (배치 32)", "en": "Mini-batch gradient descent (batch 32)"},
    epochs=BATCHING_EPOCHS, batch_size=32, group="batching", uses=(dense_network,),
)
def mini_batch():
    from tensorflow import keras

    model = dense_network()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=100,
    )
    return model


CHAPTER = chapter(
    id="ch4",
    title={
        "ko": "인공지능 TensorFlow, 4장: 활성화 함수와 MNIST 정확도 올리기",
        "en": "AI with TensorFlow, chapter 4: activation functions and better MNIST accuracy",
    },
    experiments=[sigmoid, relu, quickstart,
                 opt_sgd, opt_momentum, opt_adagrad, opt_rmsprop, opt_adam,
                 full_batch, single_sample, mini_batch],
)
