"""A hand-written training loop whose stopping condition is never met."""
loss = 1.0
epoch = 0
while loss > 0:
    epoch += 1
    loss = loss * 0.5 + 0.1  # converges to 0.2, never reaches 0
