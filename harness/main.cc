#include <cstdio>

int main() {
  std::fputs("soak: not implemented yet\n", stderr);
  return 5;
}
