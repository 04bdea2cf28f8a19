# The optimizer code of the original ch4 lecture (Keras 2 era), as its slides showed it.
from keras.optimizers import SGD, Adagrad, RMSprop, Adam

sgd = SGD(lr=0.01, momentum=0.9)  # momentum
adagrad = Adagrad(lr=0.01, epsilon=1e-6)
rmsprop = RMSprop(lr=0.001, rho=0.9, epsilon=1e-06)
adam = Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, amsgrad=False)
for optimizer in (sgd, adagrad, rmsprop, adam):
    print(type(optimizer).__name__)
