"""Chapter 4: MNIST with sigmoid, ReLU + softmax, and the TensorFlow quickstart.

Each experiment below is the exact code that builds and compiles its model; the slides
and the notebook show these function bodies as they are.

Besides the three runs of the main comparison, two side studies train one small network
(:func:`dense_network`) again and again: once per optimizer of section 4 (group
``optimizers``) and once per way of batching the data (group ``batching``). Their figures
(:mod:`.figures`) and tables (:mod:`.tables`) belong to this chapter, not to the library.
"""

from lecturegen.chapter import Reference, chapter, claim, experiment
from lecturegen.chapters.ch4.figures import study_figures, theory_figures
from lecturegen.chapters.ch4.tables import batching_table, optimizer_table, ranked


@experiment(
    title={"ko": "시그모이드 신경망 (3장 기준 모델)", "en": "Sigmoid network (the chapter-3 baseline)"},
    label={"ko": "시그모이드 모델", "en": "sigmoid model"},
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
    label={"ko": "ReLU + 소프트맥스 모델", "en": "ReLU + softmax model"},
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
    label={"ko": "퀵스타트 모델", "en": "quickstart model"},
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
    label={"ko": "SGD", "en": "SGD"},
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
    label={"ko": "모멘텀", "en": "momentum"},
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
    label={"ko": "Adagrad", "en": "Adagrad"},
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
    label={"ko": "RMSprop", "en": "RMSprop"},
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
    label={"ko": "Adam", "en": "Adam"},
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
    label={"ko": "전체 배치 경사 하강법", "en": "full-batch gradient descent"},
    epochs=BATCHING_EPOCHS, batch_size=None, group="batching", uses=(dense_network,),
)
def full_batch():
    from tensorflow import keras

    model = dense_network()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@experiment(
    title={"ko": "확률적 경사 하강법 (배치 1)", "en": "Stochastic gradient descent (batch 1)"},
    label={"ko": "확률적 경사 하강법 (배치 1)", "en": "stochastic GD (batch 1)"},
    epochs=BATCHING_EPOCHS, batch_size=1, group="batching", uses=(dense_network,),
)
def single_sample():
    from tensorflow import keras

    model = dense_network()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


@experiment(
    title={"ko": "미니배치 경사 하강법 (배치 32)", "en": "Mini-batch gradient descent (batch 32)"},
    label={"ko": "미니배치 경사 하강법 (배치 32)", "en": "mini-batch GD (batch 32)"},
    epochs=BATCHING_EPOCHS, batch_size=32, group="batching", uses=(dense_network,),
)
def mini_batch():
    from tensorflow import keras

    model = dense_network()
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
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
    figures=["activations", theory_figures, "curves", "comparison", study_figures],
    tables=[optimizer_table, batching_table],
    helpers=[ranked],
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
        claim("sgd-slower-per-epoch", "mean(single_sample.epoch_times_s) > mean(mini_batch.epoch_times_s)",
              ko="샘플 하나씩 업데이트하는 SGD는 미니배치보다 에포크당 시간이 더 걸린다",
              en="SGD with one sample per update takes longer per epoch than mini-batch"),
        claim("minibatch-beats-batch-gd", "mini_batch.test_accuracy > full_batch.test_accuracy",
              ko="같은 에포크 예산에서 미니배치가 배치 경사 하강법보다 정확하다",
              en="On the same epoch budget mini-batch is more accurate than batch gradient descent"),
        claim("sgd-beats-minibatch", "single_sample.test_accuracy > mini_batch.test_accuracy",
              ko="같은 에포크 예산에서 SGD(배치 1)가 미니배치보다 정확하다",
              en="On the same epoch budget SGD (batch 1) is more accurate than mini-batch"),
        claim("momentum-helps-sgd", "opt_momentum.history.val_accuracy[-1] > opt_sgd.history.val_accuracy[-1]",
              ko="모멘텀을 더하면 같은 학습률의 SGD보다 검증 정확도가 높다",
              en="Adding momentum raises SGD's validation accuracy at the same learning rate"),
        claim("adam-lower-loss-than-sgd", "opt_adam.history.val_loss[-1] < opt_sgd.history.val_loss[-1]",
              ko="Adam의 최종 검증 손실이 SGD보다 낮다",
              en="Adam ends with a lower validation loss than plain SGD"),
    ],
)
