enum Placeholder17464 {}
