enum Placeholder24954 {}
