"""Chapter 6: regression on a table — predicting how diabetes progresses from ten measurements.

Written only through the public chapter interface (:mod:`lecturegen.chapter`), like an
instructor's own chapter. The data is scikit-learn's bundled diabetes table (442 patients,
offline); the task is a regression, so the runs report the mean absolute and mean squared
error instead of an accuracy. Three models: one that sees no features (it can only learn the
average: the baseline), a linear regression, and a small neural network.
"""

from lecturegen.chapter import FigureSpec, chapter, claim, experiment, sklearn_data


@experiment(
    title={"ko": "기준 모델: 평균만 맞히기", "en": "Baseline: predicting the average"},
    label={"ko": "평균 모델", "en": "average model"},
    epochs=100,
    batch_size=32,
)
def baseline():
    from tensorflow import keras

    inputs = keras.Input(shape=(10,))
    hidden = keras.ops.zeros_like(inputs)
    outputs = keras.layers.Dense(1)(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.5), loss="mse")
    return model


@experiment(
    title={"ko": "선형 회귀", "en": "Linear regression"},
    label={"ko": "선형 회귀", "en": "linear regression"},
    epochs=100,
    batch_size=32,
)
def linear():
    from tensorflow import keras

    model = keras.Sequential([
        keras.Input(shape=(10,)),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.5), loss="mse")
    return model


@experiment(
    title={"ko": "작은 신경망", "en": "A small neural network"},
    label={"ko": "신경망", "en": "neural network"},
    epochs=100,
    batch_size=32,
)
def network():
    from tensorflow import keras

    model = keras.Sequential([
        keras.Input(shape=(10,)),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    return model


WORDS = {
    "ko": {"true": "실제 진행 정도", "predicted": "예측한 진행 정도", "perfect": "완벽한 예측"},
    "en": {"true": "true progression", "predicted": "predicted progression", "perfect": "perfect prediction"},
}


def draw_predicted_vs_true(fig, inputs, lang):
    axes = fig.subplots(1, len(inputs["runs"]), sharex=True, sharey=True)
    low, high = inputs["range"]
    for ax, run in zip(axes, inputs["runs"]):
        ax.scatter(run["y_true"], run["predicted"], s=14, alpha=0.6)
        ax.plot([low, high], [low, high], color="gray", linestyle="--", label=WORDS[lang]["perfect"])
        ax.set_title(f"{run['name'][lang]} (MAE {run['mae']:.1f})")
        ax.set_xlabel(WORDS[lang]["true"])
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(WORDS[lang]["predicted"])
    axes[0].legend(loc="upper left")


def prediction_figures(chapter, runs, is_sample):
    """Predicted against true progression for each test patient, one panel per model."""
    shown = [exp for exp in chapter.experiments if exp.name in ("linear", "network")]
    values = [v for exp in shown for key in ("y_true", "predicted") for v in runs[exp.name].outputs[key]]
    inputs = {
        "runs": [{"name": {lang: exp.display(lang) for lang in exp.title},
                  "y_true": runs[exp.name].outputs["y_true"], "predicted": runs[exp.name].outputs["predicted"],
                  "mae": float(runs[exp.name].test_mae)} for exp in shown],
        "range": [min(values), max(values)],
    }
    alt = {"ko": "테스트 환자마다 실제 진행 정도와 예측한 값: 선형 회귀와 신경망",
           "en": "True against predicted progression for each test patient: linear regression and neural network"}
    return [FigureSpec("predicted_vs_true", alt, draw_predicted_vs_true, inputs, size=(10, 4.6))]


CHAPTER = chapter(
    id="ch6",
    title={
        "ko": "인공지능 TensorFlow, 6장: 표 데이터로 수치 예측하기 (회귀)",
        "en": "AI with TensorFlow, chapter 6: predicting a number from a table (regression)",
    },
    data=sklearn_data("diabetes"),
    metrics=["mae", "mse"],
    experiments=[baseline, linear, network],
    figures=["curves", "comparison", prediction_figures],
    claims=[
        claim("linear-beats-average", "linear.test_mae < baseline.test_mae",
              ko="선형 회귀의 평균 절대 오차가 평균 모델보다 작다",
              en="Linear regression has a smaller mean absolute error than the average model"),
        claim("network-beats-linear", "network.test_mae < linear.test_mae",
              ko="신경망의 평균 절대 오차가 선형 회귀보다 작다",
              en="The neural network has a smaller mean absolute error than linear regression"),
        claim("linear-within-50", "linear.test_mae < 50",
              ko="선형 회귀의 예측은 평균적으로 50 이내로 맞는다",
              en="Linear regression is off by less than 50 on average"),
    ],
)
