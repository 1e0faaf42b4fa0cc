# x86_64 HAL: PVH boot on QEMU q35/pc, long mode, LAPIC/IOAPIC,
# SYSCALL/SYSRET.  Included by cmake/kernel.cmake.
set(_vd_x86 ${VD_ROOT}/hal/x86_64)

set(VD_HAL_SOURCES
  ${_vd_x86}/boot32.S
  ${_vd_x86}/trampoline.S
  ${_vd_x86}/vectors.S
  ${_vd_x86}/syscall.S
  ${_vd_x86}/context.S
  ${_vd_x86}/boot.c
  ${_vd_x86}/pvh.c
  ${_vd_x86}/acpi.c
  ${_vd_x86}/cpu.c
  ${_vd_x86}/idt.c
  ${_vd_x86}/trap.c
  ${_vd_x86}/mmu.c
  ${_vd_x86}/kmap.c
  ${_vd_x86}/apic.c
  ${_vd_x86}/timer.c
  ${_vd_x86}/smp.c
  ${_vd_x86}/thread.c
  ${_vd_x86}/console.c
  ${_vd_x86}/ktest_x86_64.c
  ${_vd_x86}/ktest_x86_64_user.c
)
set(VD_HAL_INCLUDE_DIRS ${_vd_x86}/include)
set(VD_HAL_CFLAGS "")
set(VD_HAL_LDFLAGS "")
set(VD_HAL_LINKER_SCRIPT ${_vd_x86}/kernel.ld)

# QEMU's PVH loader boots the ELF itself: the image is the ELF without
# debug sections.
function(vd_hal_make_image elf_target img_path)
  add_custom_command(TARGET ${elf_target} POST_BUILD
    COMMAND ${VD_OBJCOPY} --strip-debug $<TARGET_FILE:${elf_target}> ${img_path}
    BYPRODUCTS ${img_path}
    COMMENT "x86_64 PVH image ${img_path}"
    VERBATIM)
endfunction()
