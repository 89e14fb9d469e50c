function(lokku_sanitizers target)
  if(LOKKU_SANITIZE)
    target_compile_options(${target} PRIVATE
      -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(LOKKU_FUZZ)
    # clang 14's -fsanitize=function cannot compile coroutine frames ("Cannot represent a
    # difference across sections"); the rest of UBSan stays on.
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link -fno-sanitize=function)
  endif()
endfunction()
