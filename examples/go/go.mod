module soak.example/goexample

go 1.19
