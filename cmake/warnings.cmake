function(lokku_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast)
  if(LOKKU_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
