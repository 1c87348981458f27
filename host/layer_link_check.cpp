// The program of each layer link check (host/CMakeLists.txt): it calls
// nothing; linking a folder's whole archive into it is the check.
int main() { return 0; }
