"""A course's own chapter on its own CSV file (the example of docs/authoring.md, "Your own data")."""

from lecturegen.chapter import chapter, claim, csv_data, experiment


@experiment(title={"en": "Linear regression"}, label={"en": "linear regression"}, epochs=30, batch_size=16)
def linear():
    from tensorflow import keras

    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.5), loss="mse")
    return model


CHAPTER = chapter(
    id="growth",
    title={"en": "Plant growth from a CSV"},
    data=csv_data("plants.csv", features=["water_ml", "sun_hours", "soil_ph"], target="height_cm"),
    experiments=[linear],
    figures=["curves"],
    claims=[claim("error-below-20", "linear.test_mae < 20", en="The model is off by less than 20 cm on average")],
)
